import { packageConfig } from '../../tooling/tsconfig/tsup'

export default packageConfig({ index: 'src/index.ts', cli: 'src/cli.ts' })
