import fc from 'fast-check';
import { afterEach } from 'vitest';

/** The run's seed: FC_SEED (set by test/support/global-setup.ts when the caller gave none). */
export const FC_SEED = Number(process.env.FC_SEED ?? 0);

fc.configureGlobal({ seed: FC_SEED });

// A failing property prints its seed itself; this names it for every failure, with the way to rerun.
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail')
    console.error(`fast-check seed ${FC_SEED}: rerun with FC_SEED=${FC_SEED} to replay this run`);
});
