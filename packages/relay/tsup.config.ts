import { packageConfig } from '../../tooling/tsconfig/tsup'

export default packageConfig({ index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' })
