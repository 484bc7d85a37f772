/** Lab agent actions beyond the basics of agent.ts (relay circuits, hole punching, port mapping, TURN). */
export const actions: Record<string, (args: Record<string, unknown>) => Promise<unknown> | unknown> = {}
