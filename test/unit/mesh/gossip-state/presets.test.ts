import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MESH_PRESETS, presetFor, PublishQueue } from '../../../../src/mesh/core/gossip-state/index.js'
import { SyncSession, MemorySyncStore } from '../../../../src/mesh/core/anti-entropy/index.js'

describe('mesh presets', () => {
  for (const preset of Object.values(MESH_PRESETS)) {
    it(`${preset.name}: gossipsub degrees satisfy gossipsub's constraints`, () => {
      const g = preset.gossipsub
      assert.ok(g.Dout < g.Dlo, 'Dout < Dlo')
      assert.ok(g.Dlo <= g.D && g.D <= g.Dhi, 'Dlo <= D <= Dhi')
      assert.ok(g.Dout <= g.D / 2, 'Dout <= D/2')
      assert.ok(g.Dscore <= g.D, 'Dscore <= D')
      assert.ok(g.Dlazy >= 1 && g.heartbeatInterval > 0 && g.fanoutTTL > g.heartbeatInterval)
    })

    it(`${preset.name}: queue and anti-entropy settings are accepted by the cores`, () => {
      assert.doesNotThrow(() => new PublishQueue(preset.publishQueue))
      assert.doesNotThrow(() => new SyncSession(new MemorySyncStore(), preset.antiEntropy))
      assert.ok(preset.antiEntropy.intervalMs > 0)
      assert.ok(Object.isFrozen(preset) && Object.isFrozen(preset.gossipsub))
    })
  }

  it('small fits 3-5 nodes: D covers every peer of a 5-node mesh, and Dlo can be met with 3 nodes', () => {
    assert.ok(MESH_PRESETS.small.gossipsub.D >= 4)
    assert.ok(MESH_PRESETS.small.gossipsub.Dlo <= 2)
  })

  it('large keeps the aggregate publish rate of 100 nodes near what one subscriber verifies (~1,400 msg/s)', () => {
    assert.ok(MESH_PRESETS.large.publishQueue.ratePerSecond * 100 <= 1_400)
    assert.ok(MESH_PRESETS.large.gossipsub.D > MESH_PRESETS.small.gossipsub.D)
  })

  it('presetFor picks by mesh size', () => {
    assert.equal(presetFor(3).name, 'small')
    assert.equal(presetFor(20).name, 'small')
    assert.equal(presetFor(150).name, 'large')
  })
})
