// Replica clusters, redis-server child processes and fault injection (kill/restart) share ports and
// CPU: run the classes one after another so one test's faults never disturb another's timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
