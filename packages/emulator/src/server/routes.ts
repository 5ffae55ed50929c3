import { Router } from '../http/router.js';
import * as agents from '../routes/agents.js';
import * as batch from '../routes/batch-jobs.js';
import * as connectors from '../routes/connectors.js';
import * as completions from '../routes/completions.js';
import * as conversations from '../routes/conversations.js';
import * as files from '../routes/files.js';
import * as models from '../routes/models.js';
import type { RouteSpec } from './route.js';

/** Every `/v1` route the emulator serves. */
export function createRouter(): Router<RouteSpec> {
  return new Router<RouteSpec>()
    .add('GET', '/v1/models', models.listModels)
    .add('GET', '/v1/models/{model_id}', models.retrieveModel)
    .add('POST', '/v1/chat/completions', completions.chatCompletions)
    .add('POST', '/v1/agents/completions', completions.agentsCompletions)
    .add('POST', '/v1/agents', agents.createAgent)
    .add('GET', '/v1/agents', agents.listAgents)
    .add('GET', '/v1/agents/pages', agents.listAgentPages)
    .add('GET', '/v1/agents/{agent_id}', agents.getAgent)
    .add('PATCH', '/v1/agents/{agent_id}', agents.updateAgent)
    .add('DELETE', '/v1/agents/{agent_id}', agents.deleteAgent)
    .add('PATCH', '/v1/agents/{agent_id}/version', agents.switchAgentVersion)
    .add('GET', '/v1/agents/{agent_id}/versions', agents.listAgentVersions)
    .add('GET', '/v1/agents/{agent_id}/versions/{version}', agents.getAgentVersion)
    .add('PUT', '/v1/agents/{agent_id}/aliases', agents.putAgentAlias)
    .add('GET', '/v1/agents/{agent_id}/aliases', agents.listAgentAliases)
    .add('DELETE', '/v1/agents/{agent_id}/aliases', agents.deleteAgentAlias)
    .add('POST', '/v1/conversations', conversations.startConversation)
    .add('GET', '/v1/conversations', conversations.listConversations)
    .add('GET', '/v1/conversations/{conversation_id}', conversations.getConversation)
    .add('POST', '/v1/conversations/{conversation_id}', conversations.appendConversation)
    .add('DELETE', '/v1/conversations/{conversation_id}', conversations.deleteConversation)
    .add('GET', '/v1/conversations/{conversation_id}/history', conversations.conversationHistory)
    .add('GET', '/v1/conversations/{conversation_id}/messages', conversations.conversationMessages)
    .add('POST', '/v1/conversations/{conversation_id}/restart', conversations.restartConversation)
    .add('POST', '/v1/connectors', connectors.createConnector)
    .add('GET', '/v1/connectors', connectors.listConnectors)
    .add('GET', '/v1/connectors/{connector_id_or_name}', connectors.getConnector)
    .add('PATCH', '/v1/connectors/{connector_id}', connectors.updateConnector)
    .add('DELETE', '/v1/connectors/{connector_id}', connectors.deleteConnector)
    .add('POST', '/v1/files', files.uploadFile)
    .add('GET', '/v1/files', files.listFiles)
    .add('GET', '/v1/files/{file_id}', files.retrieveFile)
    .add('DELETE', '/v1/files/{file_id}', files.deleteFile)
    .add('GET', '/v1/files/{file_id}/content', files.downloadFile)
    .add('GET', '/v1/files/{file_id}/url', files.fileSignedUrl)
    .add('POST', '/v1/batch/jobs', batch.createBatchJob)
    .add('GET', '/v1/batch/jobs', batch.listBatchJobs)
    .add('GET', '/v1/batch/jobs/{job_id}', batch.getBatchJob)
    .add('DELETE', '/v1/batch/jobs/{job_id}', batch.deleteBatchJob)
    .add('POST', '/v1/batch/jobs/{job_id}/cancel', batch.cancelBatchJob);
}
