/**
 * Layer rules of CONVENTIONS.md: http/cli -> domain modules -> store; core and config depend on nothing of ours;
 * policy and rules are pure; modules reach each other only through their index.ts.
 */
const DOMAIN = '(directory|rules|auth|policy|governance|gateway|audit|mail)';
module.exports = {
  forbidden: [
    {
      name: 'domain-not-to-edge',
      comment: 'Domain modules never import http, cli or web.',
      severity: 'error',
      from: { path: `^src/${DOMAIN}/` },
      to: { path: '^(src/(http|cli)/|web/)' },
    },
    {
      name: 'domain-no-fastify',
      comment: 'Domain modules do not know about the HTTP framework.',
      severity: 'error',
      from: { path: `^src/${DOMAIN}/` },
      to: { path: 'node_modules/(fastify|@fastify/|commander)' },
    },
    {
      name: 'store-is-a-leaf',
      comment: 'The store knows no domain module.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: `^src/(${DOMAIN.slice(1, -1)}|http|cli|config)/` },
    },
    {
      name: 'core-is-a-leaf',
      comment: 'core has no domain knowledge.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(?!(config|core)/)' },
    },
    {
      name: 'pure-modules-no-io',
      comment: 'policy and rules are pure: facts in, decisions out.',
      severity: 'error',
      from: { path: '^src/(policy|rules)/' },
      to: { path: ['^src/(store|http|cli|directory|auth|governance|gateway|audit|mail)/', 'node_modules/(pg|kysely)/', '^(fs|net|http|https|child_process|dgram)$', '^node:(fs|net|http|https|child_process|dgram)'] },
    },
    {
      name: 'modules-through-index',
      comment: 'A module reaches another only through its index.ts.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/([^/]+)/.+',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/core/'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    combinedDependencies: true,
  },
};
