using System.Globalization;

namespace Portal.Sandbox.Hosting;

/// <summary>
/// Command-line flags of the standalone sandbox (dotnet run --project src/Portal.Sandbox -- --port 6443 --nodes 50).
/// </summary>
public static class SandboxCommandLine
{
    public const string Usage = """
        usage: Portal.Sandbox [--port N] [--nodes N] [--kubeconfig PATH] [--token T] [--read-only-token T]
                              [--node-cpu 4] [--node-memory 16Gi] [--node-pods 110] [--namespaces a,b]
                              [--pod-start-delay-ms 1000] [--event-history 50000]
                              [--latency-ms N] [--error-rate 0..1] [--throttle-rate 0..1] [--retry-after-seconds N]
                              [--drop-watch-after-events N] [--drop-watch-after-seconds N] [--expire-watches]
                              [--seed-pods N] [--seed-namespace bench]
        """;

    public const string DefaultSeedNamespace = "bench";

    public static StandaloneArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new SandboxOptions { Port = 6443 };
        string? kubeconfigPath = null;
        var seedPods = 0;
        var seedNamespace = DefaultSeedNamespace;
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
                    case "--port":
                        options.Port = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--nodes":
                        options.NodeCount = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--kubeconfig":
                        kubeconfigPath = value;
                        break;
                    case "--token":
                        options.Token = value;
                        break;
                    case "--read-only-token":
                        options.ReadOnlyToken = value;
                        break;
                    case "--node-cpu":
                        options.NodeCpu = value;
                        break;
                    case "--node-memory":
                        options.NodeMemory = value;
                        break;
                    case "--node-pods":
                        options.NodeMaxPods = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--namespaces":
                        options.SeedNamespaces = value.Split(
                            ',',
                            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
                        );
                        break;
                    case "--pod-start-delay-ms":
                        options.PodStartDelay = TimeSpan.FromMilliseconds(
                            double.Parse(value, CultureInfo.InvariantCulture)
                        );
                        break;
                    case "--event-history":
                        options.EventHistorySize = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--latency-ms":
                        options.Faults.Latency = TimeSpan.FromMilliseconds(
                            double.Parse(value, CultureInfo.InvariantCulture)
                        );
                        break;
                    case "--error-rate":
                        options.Faults.ErrorRate = double.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--throttle-rate":
                        options.Faults.ThrottleRate = double.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--retry-after-seconds":
                        options.Faults.RetryAfterSeconds = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--drop-watch-after-events":
                        options.Faults.DropWatchAfterEvents = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--drop-watch-after-seconds":
                        options.Faults.DropWatchAfter = TimeSpan.FromSeconds(
                            double.Parse(value, CultureInfo.InvariantCulture)
                        );
                        break;
                    case "--seed-pods":
                        seedPods = int.Parse(value, CultureInfo.InvariantCulture);
                        break;
                    case "--seed-namespace":
                        seedNamespace = value;
                        break;
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
        if (seedPods < 0)
        {
            error = $"invalid value for --seed-pods: {seedPods}";
            return null;
        }
        return new StandaloneArguments(options, kubeconfigPath, seedPods, seedNamespace);
    }
}

/// <summary>What the standalone process was asked for besides the cluster's options.</summary>
/// <param name="SeedPods">Running pods to create at start (<see cref="SandboxCluster.SeedRunningPods"/>), e.g. to
/// measure memory at scale.</param>
public sealed record StandaloneArguments(
    SandboxOptions Options,
    string? KubeconfigPath,
    int SeedPods,
    string SeedNamespace
);
