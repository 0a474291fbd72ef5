export { installErrorHandling } from './error-handler.ts';
export { pluginRoutes, pluginView } from './admin/plugins.ts';
export { keyRoutes } from './admin/keys.ts';
export { registryRoutes } from './admin/registry-installs.ts';
export { agentRoutes } from './apps/agents.ts';
export { healthRoutes } from './monitoring/health.ts';
export { modelRoutes } from './models/models.ts';
export { budgetRoutes } from './admin/budgets.ts';
