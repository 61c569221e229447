import type { CommandClass } from 'clipanion';
import type { LockstepContext } from '../context.js';
import { CheckCommand } from './check.js';
import { ExecCommand } from './exec.js';
import { PluginsCommand } from './plugins.js';
import { RunCommand } from './run.js';
import { SchemaCommand } from './schema.js';
import { CoordinatorCommand } from './coordinator.js';
import { SemCommand } from './sem.js';
import { BarrierCommand } from './barrier.js';
import { LockCommand } from './lock.js';
import { SyncCommand } from './sync.js';
import { LockClusterCommand } from './lock-cluster.js';
import { AgentCommand } from './agent.js';
import { PushCommand } from './push.js';
import { MembersCommand } from './members.js';
import { RingConfigureCommand } from './ring/configure.js';
import { RingRunCommand } from './ring/run.js';
import { RingEchoCommand } from './ring/echo.js';
import { RingPingCommand } from './ring/ping.js';

/**
 * Every built-in command, registered in this order. Add a command by importing its class
 * above and listing it here; nothing is discovered by globbing.
 */
export const commands: Array<CommandClass<LockstepContext>> = [
  RunCommand,
  CheckCommand,
  ExecCommand,
  PluginsCommand,
  SchemaCommand,
  CoordinatorCommand,
  SemCommand,
  BarrierCommand,
  LockCommand,
  SyncCommand,
  LockClusterCommand,
  AgentCommand,
  PushCommand,
  MembersCommand,
  RingConfigureCommand,
  RingRunCommand,
  RingEchoCommand,
  RingPingCommand,
];
