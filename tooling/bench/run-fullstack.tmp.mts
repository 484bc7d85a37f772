import { runFullStackScenario, summarize } from '../../packages/discovery/test/helpers/full-stack-scenario'

const n = Number(process.argv[2] ?? 200)
const f = await runFullStackScenario({ nodes: n, probers: 6 })
console.log(JSON.stringify(summarize(f)))
