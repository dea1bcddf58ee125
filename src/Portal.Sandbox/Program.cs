using Portal.Sandbox.Hosting;

namespace Portal.Sandbox;

/// <summary>
/// The standalone sandbox: `dotnet run --project src/Portal.Sandbox -- --port … --nodes …`. A named class
/// rather than top-level statements, so that its entry point does not clash with the portal's `Program`.
/// </summary>
public static class SandboxProgram
{
    public static async Task<int> Main(string[] args)
    {
        var arguments = SandboxCommandLine.Parse(args, out var error);
        if (arguments is null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(SandboxCommandLine.Usage);
            return 2;
        }
        // Not disposed: ProcessExit is raised after Main returns, and cancelling a disposed source would throw then.
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        var (options, kubeconfigPath, seedPods, seedNamespace) = arguments;
        await using var cluster = await SandboxCluster.StartAsync(options, stop.Token);
        if (seedPods > 0)
        {
            var seeding = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                cluster.SeedRunningPods(seedNamespace, seedPods);
            }
            catch (Api.ApiException e)
            {
                Console.Error.WriteLine($"cannot seed pods in namespace {seedNamespace}: {e.Message}");
                return 2;
            }
            Console.Error.WriteLine(
                FormattableString.Invariant($"seeded {seedPods} running pods in namespace {seedNamespace} across ")
                    + FormattableString.Invariant($"{options.NodeCount} nodes in {seeding.Elapsed.TotalSeconds:F1} s")
            );
        }
        if (kubeconfigPath is not null)
        {
            await cluster.WriteKubeconfigAsync(kubeconfigPath, stop.Token);
            Console.Error.WriteLine($"kubeconfig written to {kubeconfigPath}");
        }
        Console.Error.WriteLine(
            $"sandbox cluster listening on {cluster.BaseAddress} with "
                + $"{options.NodeCount} nodes; Ctrl+C stops it (state is in memory only)"
        );
        Console.WriteLine(cluster.Kubeconfig);
        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cluster.Stopping);
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM.
        }
        return 0;
    }
}
