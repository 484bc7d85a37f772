import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(
  shared,
  defineProject({ test: { name: 'node', testTimeout: 240_000, hookTimeout: 60_000 } }),
)
