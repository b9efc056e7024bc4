import { describe, expect, it } from 'vitest';
import { TUTORIAL_STEPS, traceStep, tutorialBridge } from './ovs-advanced.js';

// The traces below are ovs-vswitchd 3.1's ofproto/trace output for the same steps (test/interop/ovs-advanced-ovs.test.ts
// checks every step against it), with OVS's Megaflow and Datapath actions lines in place of netloom's Outputs.
describe('the OVS advanced tutorial, followed with netloom', () => {
  it('traces a step without -generate and leaves the bridge as it was: nothing learned, nothing counted', () => {
    const bridge = tutorialBridge();
    const before = bridge.dumpFlows(0);
    expect(traceStep(bridge, { flow: 'in_port=1,vlan_tci=5', generate: false }, 0)).toBe(
      [
        'Flow: in_port=1,vlan_tci=0x0005,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,dl_type=0x0000',
        '',
        'bridge("br0")',
        '-------------',
        ' 0. priority 0',
        '    resubmit(,1)',
        ' 1. in_port=1, priority 99',
        '    resubmit(,2)',
        ' 2. priority 32768',
        '    learn(table=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15])',
        '     >> suppressing side effects, so learn action ignored',
        '    resubmit(,3)',
        ' 3. priority 50',
        '    resubmit(,10)',
        '    10. No match.',
        '            drop',
        '    resubmit(,4)',
        ' 4. reg0=0, priority 50',
        '    output:1',
        '     >> skipping output to input port',
        '',
        'Final flow: unchanged',
        'Outputs: none (dropped)',
      ].join('\n'),
    );
    expect(bridge.dumpFlows(0)).toBe(before);
    expect(bridge.pipeline.lookups[0]).toBe(0);
  });

  it('learns with -generate, and the next step forwards to the learned port', () => {
    const bridge = tutorialBridge();
    traceStep(bridge, { flow: 'in_port=1,dl_vlan=20,dl_src=f0:00:00:00:00:01,dl_dst=90:00:00:00:00:01', generate: true }, 0);
    expect(traceStep(bridge, { flow: 'in_port=2,dl_src=90:00:00:00:00:01,dl_dst=f0:00:00:00:00:01', generate: true }, 1)).toBe(
      [
        'Flow: in_port=2,vlan_tci=0x0000,dl_src=90:00:00:00:00:01,dl_dst=f0:00:00:00:00:01,dl_type=0x0000',
        '',
        'bridge("br0")',
        '-------------',
        ' 0. priority 0',
        '    resubmit(,1)',
        ' 1. in_port=2,vlan_tci=0x0000, priority 99',
        '    mod_vlan_vid:20',
        '    resubmit(,2)',
        ' 2. priority 32768',
        '    learn(table=10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15])',
        '     -> table=10 vlan_tci=0x0014/0x0fff,dl_dst=90:00:00:00:00:01 priority=32768 actions=load:0x2->NXM_NX_REG0[0..15]',
        '    resubmit(,3)',
        ' 3. priority 50',
        '    resubmit(,10)',
        '    10. vlan_tci=0x0014/0x0fff,dl_dst=f0:00:00:00:00:01, priority 32768',
        '            load:0x1->NXM_NX_REG0[0..15]',
        '    resubmit(,4)',
        ' 4. reg0=0x1, priority 32768',
        '    output:1',
        '',
        'Final flow: reg0=0x1,in_port=2,dl_vlan=20,dl_vlan_pcp=0,dl_src=90:00:00:00:00:01,dl_dst=f0:00:00:00:00:01,dl_type=0x0000',
        'Outputs: port 1',
        // OVS's datapath actions: push_vlan(vid=20,pcp=0),1 — the frame OVS composes for this flow, tagged.
        '  port 1: f00000000001900000000001810000140000',
      ].join('\n'),
    );
  });

  it('runs every step of the tutorial', () => {
    const bridge = tutorialBridge();
    const outputs = TUTORIAL_STEPS.map((step, i) => traceStep(bridge, step, i).split('\n').find((l) => l.startsWith('Outputs:')));
    // The last: 10:00:00:00:00:01 on port 1 in VLAN 30 sends to 20:00:00:00:00:01, learned on port 4 the step before.
    expect(outputs.at(-1)).toBe('Outputs: port 4');
    expect(outputs.slice(10, 13)).toEqual(['Outputs: port 3, port 4', 'Outputs: port 1, port 4', 'Outputs: none (dropped)']);
  });
});
