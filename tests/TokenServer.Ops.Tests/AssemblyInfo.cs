// Two shared cores: test classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
