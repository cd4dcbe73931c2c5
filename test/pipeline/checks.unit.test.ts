// The order of checks is written once as code (src/pipeline/checks.ts); openapi.yaml's description says it
// in words for clients. This holds the words to the code: the same steps, in the same order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSpec } from '../../src/contract/spec.js';
import { CHECKS, IN_HANDLER } from '../../src/pipeline/checks.js';

/** The steps of "Checks run in this order: … ." in openapi.yaml's description, each as written. */
function stepsInTheContract(): string[] {
  const description = ((loadSpec().document.info as { description: string }).description).replace(/\s+/g, ' ');
  const sentence = /Checks run in this order: (.*?)\. /.exec(description)?.[1];
  assert.ok(sentence, "openapi.yaml's description says the order of checks");
  return sentence.split(' → ');
}

describe('the order of checks', () => {
  it("when openapi.yaml tells clients the order, then each step begins with the words of the check the pipeline runs there", () => {
    const code = [...CHECKS.map((check) => check.says), ...IN_HANDLER];
    const contract = stepsInTheContract();
    assert.equal(contract.length, code.length, `openapi.yaml: ${contract.join(' | ')}`);
    contract.forEach((step, i) => assert.ok(step.startsWith(code[i]!), `step ${i + 1}: "${step}" should begin with "${code[i]}"`));
  });
});
