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
        var options = SandboxCommandLine.Parse(args, out var kubeconfigPath, out var error);
        if (options is null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(SandboxCommandLine.Usage);
            return 2;
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        await using var cluster = await SandboxCluster.StartAsync(options, stop.Token);
        if (kubeconfigPath is not null)
        {
            await cluster.WriteKubeconfigAsync(kubeconfigPath, stop.Token);
            Console.Error.WriteLine($"kubeconfig written to {kubeconfigPath}");
        }
        Console.Error.WriteLine($"sandbox cluster listening on {cluster.BaseAddress} with {options.NodeCount} nodes; Ctrl+C stops it (state is in memory only)");
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
