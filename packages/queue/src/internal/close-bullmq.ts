/** What BullMQ's Queue, Worker and QueueEvents have in common for shutting down. */
interface Closable {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Closes BullMQ objects, each once its connections are ready. Closing one still connecting makes
 * BullMQ disconnect instead of quit, which rejects its own pending setup commands with
 * "Connection is closed" as unhandled rejections (taskforcesh/bullmq#2385).
 */
export async function closeWhenReady(...objects: Array<Closable | undefined>): Promise<void> {
  await Promise.all(
    objects.map(async (object) => {
      if (!object) return;
      await object.waitUntilReady().catch(() => undefined);
      await object.close();
    }),
  );
}
