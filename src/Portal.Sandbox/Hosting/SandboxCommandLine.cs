using System.Globalization;

namespace Portal.Sandbox.Hosting;

/// <summary>Command-line flags of the standalone sandbox (dotnet run --project src/Portal.Sandbox -- --port 6443 --nodes 50).</summary>
public static class SandboxCommandLine
{
    public const string Usage = """
        usage: Portal.Sandbox [--port N] [--nodes N] [--kubeconfig PATH] [--token T] [--read-only-token T]
                              [--node-cpu 4] [--node-memory 16Gi] [--node-pods 110] [--namespaces a,b]
                              [--pod-start-delay-ms 1000] [--event-history 50000]
                              [--latency-ms N] [--error-rate 0..1] [--throttle-rate 0..1] [--retry-after-seconds N]
                              [--drop-watch-after-events N] [--drop-watch-after-seconds N] [--expire-watches]
        """;

    public static SandboxOptions? Parse(IReadOnlyList<string> args, out string? kubeconfigPath, out string? error)
    {
        var options = new SandboxOptions { Port = 6443 };
        kubeconfigPath = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            if (flag == "--expire-watches")
            {
                options.Faults.ExpireWatches = true;
                continue;
            }
            if (i + 1 >= args.Count)
            {
                error = $"missing value for {flag}";
                return null;
            }
            var value = args[++i];
            try
            {
                switch (flag)
                {
                    case "--port": options.Port = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--nodes": options.NodeCount = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--kubeconfig": kubeconfigPath = value; break;
                    case "--token": options.Token = value; break;
                    case "--read-only-token": options.ReadOnlyToken = value; break;
                    case "--node-cpu": options.NodeCpu = value; break;
                    case "--node-memory": options.NodeMemory = value; break;
                    case "--node-pods": options.NodeMaxPods = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--namespaces": options.SeedNamespaces = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                    case "--pod-start-delay-ms": options.PodStartDelay = TimeSpan.FromMilliseconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                    case "--event-history": options.EventHistorySize = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--latency-ms": options.Faults.Latency = TimeSpan.FromMilliseconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                    case "--error-rate": options.Faults.ErrorRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--throttle-rate": options.Faults.ThrottleRate = double.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--retry-after-seconds": options.Faults.RetryAfterSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--drop-watch-after-events": options.Faults.DropWatchAfterEvents = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--drop-watch-after-seconds": options.Faults.DropWatchAfter = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                    default:
                        error = $"unknown flag {flag}";
                        return null;
                }
            }
            catch (FormatException)
            {
                error = $"invalid value for {flag}: {value}";
                return null;
            }
        }
        return options;
    }
}
