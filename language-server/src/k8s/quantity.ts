// Kubernetes quantities: the engine's model reads them, so lint and `up` accept the same ones.
export { isQuantity, parseQuantity } from '../../../extension/engine/model/quantity';
