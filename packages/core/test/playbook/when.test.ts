import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../src/playbook/expression.js';
import type { TemplateScope } from '../../src/playbook/templates.js';
import { evaluateWhen } from '../../src/playbook/when.js';

const scope: TemplateScope = {
  node: { name: 'web1', host: '10.0.0.11', labels: { role: 'primary' } },
  vars: { stage: 'prod', replicas: 3, canary: false, flag: 'true', label: '${{ node.labels.role }}' },
  env: { DEPLOY: 'true', EMPTY: '' },
};
const when = (expression: string): boolean => evaluateWhen(expression, scope);

describe('evaluateWhen', () => {
  it('compares paths with string, number and boolean literals', () => {
    expect(when("vars.stage == 'prod'")).toBe(true);
    expect(when('vars.stage == "dev"')).toBe(false);
    expect(when("vars.stage != 'dev'")).toBe(true);
    expect(when('vars.replicas == 3')).toBe(true);
    expect(when('vars.canary == false')).toBe(true);
    expect(when("node.labels.role == 'primary'")).toBe(true);
  });

  it('compares strings from --vars and the environment loosely with numbers and booleans', () => {
    expect(when('vars.flag == true')).toBe(true);
    expect(when("vars.replicas == '3'")).toBe(true);
    expect(when('env.DEPLOY == true')).toBe(true);
  });

  it('combines with !, &&, || and parentheses, with the usual precedence', () => {
    expect(when('!vars.canary')).toBe(true);
    expect(when("vars.canary || vars.stage == 'prod'")).toBe(true);
    expect(when("vars.canary || vars.stage == 'prod' && vars.replicas == 2")).toBe(false);
    expect(when("(vars.canary || vars.stage == 'prod') && !(vars.replicas == 2)")).toBe(true);
    expect(when('!vars.canary && !!env.DEPLOY')).toBe(true);
  });

  it('reads unset environment variables as false and empty strings as false', () => {
    expect(when('env.NOT_SET')).toBe(false);
    expect(when('!env.NOT_SET')).toBe(true);
    expect(when('env.EMPTY')).toBe(false);
    expect(when('env.DEPLOY')).toBe(true);
  });

  it('accepts the expression wrapped in ${{ }} and literal true/false', () => {
    expect(when("${{ vars.stage == 'prod' }}")).toBe(true);
    expect(when('true')).toBe(true);
    expect(when('false')).toBe(false);
  });

  it('renders vars that hold templates before comparing', () => {
    expect(when("vars.label == 'primary'")).toBe(true);
  });

  it('rejects syntax errors with WHEN_INVALID, and never runs code', () => {
    expect(() => when("vars.stage = 'prod'")).toThrow(expect.objectContaining({ code: 'LS4005', message: `when: vars.stage = 'prod': unexpected "=": compare with "=="` }));
    expect(() => when('process.exit(1)')).toThrow('unknown name "process": paths start with node., vars. or env.');
    expect(() => when('vars.a &&')).toThrow('found the end');
    expect(() => when('(vars.a')).toThrow('expected ")", found the end');
    expect(() => when("'open")).toThrow('unterminated string');
  });
});

describe('parseExpression', () => {
  it('records paths with bracket keys and offsets', () => {
    expect(parseExpression("  vars['my key'][0]")).toEqual({ kind: 'path', root: 'vars', segments: ['my key', 0], text: "vars['my key'][0]", start: 2, end: 19 });
  });
});
