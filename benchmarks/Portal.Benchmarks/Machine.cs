using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Portal.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
internal static class Machine
{
    public static IEnumerable<string> Describe()
    {
        yield return $"- CPUs (Environment.ProcessorCount / nproc): {Environment.ProcessorCount}";
        if (ReadFirst("/proc/cpuinfo", "model name") is { } model)
            yield return $"- CPU model: {model}";
        if (ReadFirst("/proc/meminfo", "MemTotal") is { } memory)
            yield return $"- Memory (MemTotal): {memory}";
        if (ReadText("/sys/fs/cgroup/cpu.max") is { } cpuMax)
            yield return $"- cgroup cpu.max: {cpuMax}";
        if (ReadText("/sys/fs/cgroup/memory.max") is { } memoryMax)
            yield return $"- cgroup memory.max: {memoryMax}";
        if (ReadText("/proc/loadavg") is { } load)
            yield return $"- Load average at start (/proc/loadavg): {load} — other processes "
                + "share the CPUs unless this is near 0";
        yield return $"- OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})";
        yield return $"- .NET: {RuntimeInformation.FrameworkDescription}; benchmark process "
            + $"GC: {(GCSettings.IsServerGC ? "server" : "workstation")}, "
            + $"{GCSettings.LatencyMode}";
        yield return $"- Build: {BuildConfiguration}";
    }

    public static string BuildConfiguration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    public static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>Managed heap after a full, blocking, compacting collection (large object heap included).</summary>
    public static long HeapAfterFullGc()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static string? ReadFirst(string path, string key)
    {
        try
        {
            return File.ReadLines(path)
                .FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))
                ?.Split(':', 2)[1]
                .Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
