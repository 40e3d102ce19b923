export { describeValue as describe, requireNonBlank, showValue } from '../validation';
