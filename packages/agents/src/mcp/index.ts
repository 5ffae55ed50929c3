export { mcpTools, type McpToolInfo, type McpToolsOptions } from './mcp-tools.js';
