// @ts-check
/// <reference lib="dom" />
/**
 * Links to one decision of a run, `/runs/{id}#decision-5`: opening one shows that decision's
 * evidence beside the charts, and showing a decision puts its link in the address bar.
 *
 * @module
 */

/**
 * The fragment of a decision's link.
 *
 * @param {number} index the decision's index in the run
 */
export function decisionHash(index) {
  return `#decision-${index}`;
}

/**
 * Shows the decision the address names, now and whenever the fragment changes.
 *
 * @param {{ find(index: number): any, showEvidence(d: any): void }} auditPanel
 */
export function openLinkedDecision(auditPanel) {
  const open = () => {
    const match = /^#decision-(\d+)$/.exec(location.hash);
    if (!match) return;
    const decision = auditPanel.find(Number(match[1]));
    if (!decision) return;
    auditPanel.showEvidence(decision);
    document.getElementById("evidence")?.scrollIntoView({ block: "nearest" });
  };
  open();
  addEventListener("hashchange", open);
}
