import { StunServer } from './src/stun/server.ts'

const s = new StunServer({}, { host: '127.0.0.1', port: 0, alternateHost: '127.0.0.2' })
await s.start()
console.log(JSON.stringify(s.address()))
setTimeout(() => s.stop(), 6000)
