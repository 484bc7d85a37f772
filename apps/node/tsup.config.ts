import { packageConfig } from '../../tooling/tsconfig/tsup'

export default packageConfig({ index: 'src/index.ts', devnet: 'src/devnet/read.ts', cli: 'src/cli.ts' })
