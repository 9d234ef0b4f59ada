/**
 * Where Ripcord is published, in one place: the GitHub repository users pin in `uses:`, the
 * moving major tag, the npm package behind `npx`, and the JSON Schema's address at that tag.
 * package.json (`name`, `repository`) must say the same; test/project/packaging.test.ts checks it.
 *
 * The npm name is not `ripcord`: that name belongs to an unrelated package ("project
 * scaffolding and opinion enforcer!", 4.0.0), so `npx ripcord` would run someone else's code.
 */
export const REPOSITORY = 'ripcord-dev/ripcord';
export const MAJOR_TAG = 'v1';
export const PACKAGE_NAME = 'ripcord-rollback';

/** The raw file at the major tag: it moves with v1, so editors get every 1.x schema change. */
export const POLICY_SCHEMA_URL = `https://raw.githubusercontent.com/${REPOSITORY}/${MAJOR_TAG}/schema/ripcord.schema.json`;

/** The first line of every policy Ripcord writes or ships, read by the YAML language server. */
export const POLICY_SCHEMA_MODELINE = `# yaml-language-server: $schema=${POLICY_SCHEMA_URL}`;

/** `uses:` of one of Ripcord's actions at the major tag, such as ripcord-dev/ripcord/actions/rollback@v1. */
export function actionRef(action?: string): string {
  return `${REPOSITORY}${action ? `/actions/${action}` : ''}@${MAJOR_TAG}`;
}

/** The version `ripcord --version` prints; test/project/packaging.test.ts checks it equals package.json's. */
export const VERSION = '0.1.0';
