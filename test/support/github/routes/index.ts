/** All implemented operations, keyed by operationId. */
import { actionRoutes } from './actions.ts';
import { compareRoutes } from './compare.ts';
import { contentRoutes } from './contents.ts';
import type { RouteTable } from './context.ts';
import { deploymentRoutes } from './deployments.ts';
import { environmentRoutes } from './environments.ts';
import { gitRoutes } from './git.ts';
import { issueRoutes } from './issues.ts';
import { pullRoutes } from './pulls.ts';
import { repoRoutes } from './repos.ts';
import { teamRoutes } from './teams.ts';

export const routes: RouteTable = {
  ...deploymentRoutes,
  ...gitRoutes,
  ...issueRoutes,
  ...repoRoutes,
  ...contentRoutes,
  ...pullRoutes,
  ...actionRoutes,
  ...teamRoutes,
  ...environmentRoutes,
  ...compareRoutes,
};
