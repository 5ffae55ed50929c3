export {
  defineTool,
  type Tool,
  type AnyTool,
  type ToolSpec,
  type ToolContext,
} from './tools/define-tool.js';
export { runToolCall, type ToolCallRequest, type ToolCallResult } from './tools/run-tool-call.js';
export { ensureAgent, type AgentSpec } from './ensure-agent.js';
export {
  conversationMachine,
  type ConversationActor,
  type ConversationSnapshot,
} from './machine/conversation-machine.js';
export type {
  ConversationContext,
  ConversationEvent,
  ConversationEmitted,
  ConversationMachineInput,
  ConversationMessage,
  AssistantToolCall,
  PendingCall,
  ModelTurnInput,
  RunToolsInput,
  Turn,
  TurnError,
} from './machine/types.js';
export { modelTurnActor, type ModelTurnDeps } from './machine/model-turn.js';
export { runToolsActor } from './machine/run-tools.js';
export {
  createConversation,
  resumeConversation,
  type Conversation,
  type ConversationOptions,
  type ConversationStreamEvent,
} from './conversation/create-conversation.js';
export { conversationKey, type PersistedConversation } from './persistence/persistence.js';
export { AgentsError, type AgentsErrorCode } from './errors.js';
export {
  createAgentSystem,
  agentSystemMachine,
  type AgentSystem,
  type AgentSystemOptions,
  type AgentSystemStats,
} from './system/agent-system.js';
export {
  createAgentTeam,
  resumeAgentTeam,
  teamKey,
  type AgentTeam,
  type AgentTeamOptions,
  type PersistedTeam,
} from './team/create-agent-team.js';
export { agentTeamMachine, handoffTargets } from './team/team-machine.js';
export { stepHistory, type TeamAgent, type HistoryPolicy } from './team/agent-step.js';
export type {
  TeamMessage,
  TeamTurn,
  TeamContext,
  TeamEvent,
  TeamEmitted,
  Handoff,
  TeamStep,
} from './team/types.js';
