/**
 * Reading a Converse / ConverseStream body (reference §4.3): the checks Bedrock makes that
 * matter to a client (roles, non-empty content, sane inference settings, a tool that
 * exists), and the text the answer and the token count derive from. Unknown keys are ignored.
 */
import { invalid } from './errors.ts';
import { estimateTokens } from './tokens.ts';

export interface ToolRequest {
  name: string;
  schema: Record<string, unknown>;
}

export interface ConverseInput {
  /** System texts and message texts (tool results and inputs as JSON) joined with newlines. */
  allText: string;
  /** The last user message's text, for the answer and the call log. */
  lastUserText: string;
  inputTokens: number;
  maxTokens?: number;
  /** Present when `toolConfig.tools` is: the tool the answer must call. */
  tool?: ToolRequest;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blockTexts(block: Json, into: string[]): void {
  if (typeof block.text === 'string') into.push(block.text);
  if (isObject(block.toolUse)) into.push(JSON.stringify(block.toolUse.input ?? {}));
  const result = block.toolResult;
  if (isObject(result) && Array.isArray(result.content)) {
    for (const part of result.content) {
      if (!isObject(part)) continue;
      if (typeof part.text === 'string') into.push(part.text);
      if (part.json !== undefined) into.push(JSON.stringify(part.json));
    }
  }
}

function readMessages(messages: unknown, texts: string[]): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('The messages field must be a non-empty list of messages.');
  }
  let lastUserText = '';
  messages.forEach((message: unknown, i) => {
    if (!isObject(message)) throw invalid(`messages.${i} must be an object.`);
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw invalid(`messages.${i}.role must be one of: user, assistant.`);
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      throw invalid(`messages.${i}.content must be a non-empty list of content blocks.`);
    }
    const own: string[] = [];
    message.content.forEach((block: unknown, j) => {
      if (!isObject(block)) throw invalid(`messages.${i}.content.${j} must be an object.`);
      blockTexts(block, own);
    });
    texts.push(...own);
    if (message.role === 'user') lastUserText = own.join(' ');
  });
  return lastUserText;
}

function readSystem(system: unknown, texts: string[]): void {
  if (system === undefined) return;
  if (!Array.isArray(system)) throw invalid('The system field must be a list of content blocks.');
  for (const block of system) {
    if (!isObject(block)) throw invalid('Each system block must be an object.');
    if (typeof block.text === 'string') texts.push(block.text);
  }
}

function readMaxTokens(config: unknown): number | undefined {
  if (config === undefined) return undefined;
  if (!isObject(config)) throw invalid('inferenceConfig must be an object.');
  const { maxTokens, temperature, topP } = config;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)) {
    throw invalid('inferenceConfig.maxTokens must be an integer of at least 1.');
  }
  for (const [name, value] of [['temperature', temperature], ['topP', topP]] as const) {
    if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 1)) {
      throw invalid(`inferenceConfig.${name} must be a number between 0 and 1.`);
    }
  }
  return maxTokens as number | undefined;
}

function readTool(toolConfig: unknown): ToolRequest | undefined {
  if (toolConfig === undefined) return undefined;
  if (!isObject(toolConfig) || !Array.isArray(toolConfig.tools) || toolConfig.tools.length === 0) {
    throw invalid('toolConfig.tools must be a non-empty list of tools.');
  }
  const tools = toolConfig.tools.map((tool: unknown, i): ToolRequest => {
    const spec = isObject(tool) ? tool.toolSpec : undefined;
    const schema = isObject(spec) && isObject(spec.inputSchema) ? spec.inputSchema.json : undefined;
    if (!isObject(spec) || typeof spec.name !== 'string' || spec.name === '' || !isObject(schema)) {
      throw invalid(`toolConfig.tools.${i} must be a toolSpec with a name and inputSchema.json.`);
    }
    return { name: spec.name, schema };
  });
  const choice = toolConfig.toolChoice;
  if (isObject(choice) && isObject(choice.tool)) {
    const chosen = tools.find((tool) => tool.name === (choice.tool as Json).name);
    if (!chosen) throw invalid('toolConfig.toolChoice.tool.name does not name one of the tools.');
    return chosen;
  }
  return tools[0];
}

export function readConverse(body: Json): ConverseInput {
  const texts: string[] = [];
  readSystem(body.system, texts);
  const lastUserText = readMessages(body.messages, texts);
  const maxTokens = readMaxTokens(body.inferenceConfig);
  const tool = readTool(body.toolConfig);
  const allText = texts.join('\n');
  return { allText, lastUserText, inputTokens: estimateTokens(allText), maxTokens, tool };
}
