export { readmeExample, runReadmeExample } from './readme-example'
export { SummaryReporter } from './summary-reporter'
