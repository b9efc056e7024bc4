/**
 * A plain-mode (OpenFlow 1.0) mod_vlan_vid or mod_vlan_pcp pushes a tag at run time only where
 * there is none. OpenFlow 1.3 has no such action, so a flow sent to an OpenFlow 1.3 peer carries
 * it as OVS's encode_SET_VLAN_VID does: push_vlan then set_field when the match proves no tag,
 * set_field alone when it does.
 */
import { describe, expect, it } from 'vitest';
import { parseFlow, formatActions } from '../../src/switch/ofctl.js';
import { actionsToInstructions, instructionsFrom } from '../../src/openflow/flows.js';

const apply = (flow: string, protocols: 'OpenFlow10' | 'OpenFlow13') => {
  const rule = parseFlow(flow, { protocols });
  const [first] = actionsToInstructions(rule.actions, rule.match);
  return first?.type === 'apply_actions' ? first.actions.map((a) => (a.type === 'set_field' ? `set_field:${'value' in a.field ? a.field.value : '?'}->${a.field.field}` : a.type === 'push_vlan' ? `push_vlan:0x${a.ethertype.toString(16)}` : a.type)) : [];
};

describe('mod_vlan_vid and mod_vlan_pcp over OpenFlow 1.3', () => {
  it.each([
    ['actions=mod_vlan_vid:10,output:1', 'OpenFlow10', ['push_vlan:0x8100', 'set_field:4106->vlan_vid', 'output']],
    ['actions=mod_vlan_pcp:5', 'OpenFlow10', ['push_vlan:0x8100', 'set_field:5->vlan_pcp']],
    ['dl_vlan=3,actions=mod_vlan_vid:10', 'OpenFlow10', ['set_field:4106->vlan_vid']],
    ['vlan_tci=0x1000/0x1000,actions=mod_vlan_pcp:5', 'OpenFlow10', ['set_field:5->vlan_pcp']],
    ['actions=mod_vlan_vid:10,mod_vlan_pcp:5', 'OpenFlow10', ['push_vlan:0x8100', 'set_field:4106->vlan_vid', 'set_field:5->vlan_pcp']],
    ['actions=push_vlan:0x8100,mod_vlan_vid:10', 'OpenFlow10', ['push_vlan:0x8100', 'set_field:4106->vlan_vid']],
    ['actions=mod_vlan_vid:10', 'OpenFlow13', ['push_vlan:0x8100', 'set_field:4106->vlan_vid']],
    ['dl_vlan=3,actions=mod_vlan_vid:10', 'OpenFlow13', ['set_field:4106->vlan_vid']],
  ] as const)('%s (%s) is sent as %j', (flow, protocols, actions) => {
    expect(apply(flow, protocols)).toEqual(actions);
  });
});

describe('set_field to vlan_vid and vlan_pcp from an OpenFlow 1.3 peer', () => {
  // ovs-ofctl -O OpenFlow13 dump-flows prints what a controller sent as it was sent.
  it.each([
    ['actions=push_vlan:0x8100,set_field:4106->vlan_vid,output:1', 'push_vlan:0x8100,set_field:4106->vlan_vid,output:1'],
    ['dl_vlan=3,actions=set_field:4106->vlan_vid,set_field:5->vlan_pcp', 'set_field:4106->vlan_vid,set_field:5->vlan_pcp'],
    ['actions=mod_vlan_vid:10', 'push_vlan:0x8100,set_field:4106->vlan_vid'],
  ])('%s reads back as %s', (flow, printed) => {
    const rule = parseFlow(flow, { protocols: 'OpenFlow13' });
    const { actions } = instructionsFrom(actionsToInstructions(rule.actions, rule.match), rule.match, 0, 'FLOW_MOD', () => false, () => false);
    expect(formatActions(actions)).toBe(printed);
  });
});
