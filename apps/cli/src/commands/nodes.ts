import type { Command } from "commander";
import { clientFor } from "../context.ts";
import { printJson, printTable, say } from "../output.ts";

/** nodes, node add. */
export function nodeCommands(program: Command): void {
  program
    .command("nodes")
    .description("your nodes: state, chunks done, credits earned")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command: Command) => {
      const { nodes } = await clientFor(command).nodes();
      if (opts.json) return printJson({ nodes });
      printTable(nodes, ["nodeId", "name", "state", "chunksDone", "creditsEarned"]);
    });

  const node = program.command("node").description("manage one node");
  node
    .command("add")
    .description("register a node: prints its token and the command that starts it")
    .argument("<name>", "a name to tell it by")
    .option("--json", "print the node and its token as JSON")
    .action(async (name: string, opts: { json?: boolean }, command: Command) => {
      const client = clientFor(command);
      const created = await client.registerNode(name);
      if (opts.json) return printJson({ ...created, command: startCommand(client.url, created.nodeToken) });
      say(`node ${created.nodeId} (${name}); its token, shown once:`);
      process.stdout.write(created.nodeToken + "\n");
      say("start it on the volunteer's computer with:");
      say(`  ${startCommand(client.url, created.nodeToken)}`);
    });
}

/** The token goes in the environment, not on the command line, where `ps` would show it. */
const startCommand = (url: string, token: string) => `MEDUSA_NODE_TOKEN=${token} medusa-node --gateway ${url}`;
