// Each journey runs a whole portal with its sandbox cluster and a browser: run side by side on a 2-core CI machine they
// starve each other's jobs and live updates, so they run one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
