// vitest's sequencer for the whole suite (vitest.config.mts): the start order of
// test/helpers/file-order.mts, with vitest's results cache for the durations it has.
import * as path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { FILE_SECONDS, missingBuilds, startOrder } from './file-order.mjs';

export default class FileOrder extends BaseSequencer {
  override async sort(specs: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const root = this.ctx.config.root;
    const missing = missingBuilds();
    const byProject = new Map<string, TestSpecification[]>();
    for (const s of specs) {
      const name = s.project.name;
      byProject.set(name, [...(byProject.get(name) ?? []), s]);
    }
    // Projects one after the other, as vitest's own order has them.
    const out: TestSpecification[] = [];
    for (const name of [...byProject.keys()].sort()) {
      const group = byProject.get(name)!;
      const byFile = new Map<string, TestSpecification>();
      const inputs = group.map((s) => {
        const file = path.relative(root, s.moduleId);
        byFile.set(file, s);
        const cached = cache.getFileTestResults(`${name}:${file}`)?.duration;
        return { file, seconds: cached !== undefined ? cached / 1000 : (FILE_SECONDS[file] ?? 1) };
      });
      for (const file of startOrder(inputs, missing)) out.push(byFile.get(file)!);
    }
    return out;
  }
}
