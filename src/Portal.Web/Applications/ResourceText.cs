using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Web.Applications;

/// <summary>Requests and limits as people type them ("250m", "0.5", "512Mi") into a container's resources.</summary>
public static class ResourceText
{
    public static Result<ContainerResources> Parse(string? cpuRequest, string? cpuLimit, string? memoryRequest, string? memoryLimit)
    {
        var problems = new List<Problem>();
        var cpu = Cpu(cpuRequest, "Resources.CpuRequest", "CPU request", problems);
        var cpuMax = Cpu(cpuLimit, "Resources.CpuLimit", "CPU limit", problems);
        var memory = Bytes(memoryRequest, "Resources.MemoryRequest", "memory request", problems);
        var memoryMax = Bytes(memoryLimit, "Resources.MemoryLimit", "memory limit", problems);
        return problems.Count > 0 ? Problem.Invalid(problems) : new ContainerResources(cpu, cpuMax, memory, memoryMax);
    }

    private static long Cpu(string? text, string field, string what, List<Problem> problems)
    {
        if (Quantity.TryParse(text, out var cores) && cores >= 0)
            return (long)Math.Ceiling(cores * 1000m);
        problems.Add(Problem.Invalid(field, string.IsNullOrWhiteSpace(text)
            ? $"Give the {what}: cores such as 0.5 or 2, or millicores such as 250m."
            : $"'{text}' is not a CPU amount: write cores such as 0.5 or 2, or millicores such as 250m."));
        return 0;
    }

    private static long Bytes(string? text, string field, string what, List<Problem> problems)
    {
        if (Quantity.TryParse(text, out var bytes) && bytes >= 0)
            return (long)Math.Ceiling(bytes);
        problems.Add(Problem.Invalid(field, string.IsNullOrWhiteSpace(text)
            ? $"Give the {what}: bytes with a unit such as 512Mi or 2Gi."
            : $"'{text}' is not a memory amount: write bytes with a unit such as 512Mi or 2Gi."));
        return 0;
    }
}
