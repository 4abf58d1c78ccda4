// `utils`: plotModel (and the summary printer for any model).
export {plotModel} from './plot.js';
export type {PlotOptions} from './plot.js';
export {printSummary} from './summary.js';
