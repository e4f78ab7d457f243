/** Placeholder for the cfssl-compatible command family (issue: cfssl-compatible commands). */
export async function run(tool: string, _args: string[]): Promise<number> {
  process.stderr.write(`error: kubetls ${tool} is not implemented yet\n`);
  return 2;
}
