/** Which clients follow which jobs, both ways, so a result reaches exactly its subscribers. */
export class SubscriptionRegistry<C> {
  private readonly byJob = new Map<string, Set<C>>();
  private readonly byClient = new Map<C, Set<string>>();

  subscribe(client: C, jobs: readonly string[]): void {
    let mine = this.byClient.get(client);
    if (!mine) this.byClient.set(client, (mine = new Set()));
    for (const job of jobs) {
      mine.add(job);
      let clients = this.byJob.get(job);
      if (!clients) this.byJob.set(job, (clients = new Set()));
      clients.add(client);
    }
  }

  unsubscribe(client: C, jobs: readonly string[]): void {
    const mine = this.byClient.get(client);
    for (const job of jobs) {
      mine?.delete(job);
      const clients = this.byJob.get(job);
      clients?.delete(client);
      if (clients?.size === 0) this.byJob.delete(job);
    }
  }

  remove(client: C): void {
    this.unsubscribe(client, [...(this.byClient.get(client) ?? [])]);
    this.byClient.delete(client);
  }

  subscribers(job: string): ReadonlySet<C> {
    return this.byJob.get(job) ?? new Set();
  }

  jobsOf(client: C): string[] {
    return [...(this.byClient.get(client) ?? [])];
  }

  get clientCount(): number {
    return this.byClient.size;
  }
}
