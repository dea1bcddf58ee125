using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Web.Applications;

/// <summary>Requests and limits as people type them ("250m", "0.5", "512Mi") into a container's resources.</summary>
public static class ResourceText
{
    public static Result<ContainerResources> Parse(
        string? cpuRequest,
        string? cpuLimit,
        string? memoryRequest,
        string? memoryLimit
    )
    {
        var problems = new List<Problem>();
        var resources = Read(cpuRequest, cpuLimit, memoryRequest, memoryLimit, problems);
        return problems.Count > 0 ? Problem.Invalid(problems) : resources;
    }

    /// <summary>
    /// The amounts that can be read; one that cannot is 0, and its problem is added to <paramref name="problems"/>.
    /// </summary>
    public static ContainerResources Read(
        string? cpuRequest,
        string? cpuLimit,
        string? memoryRequest,
        string? memoryLimit,
        List<Problem> problems
    ) =>
        new(
            Cpu(cpuRequest, "Resources.CpuRequest", problems),
            Cpu(cpuLimit, "Resources.CpuLimit", problems),
            Bytes(memoryRequest, "Resources.MemoryRequest", problems),
            Bytes(memoryLimit, "Resources.MemoryLimit", problems)
        );

    private static long Cpu(string? text, string field, List<Problem> problems)
    {
        if (Quantity.TryWhole(text, 1000m, out var millis))
            return millis;
        problems.Add(
            Problem.Invalid(
                field,
                string.IsNullOrWhiteSpace(text)
                    ? $"Enter the {Describe(field)}: cores such as 0.5 or 2, or millicores such as 250m."
                    : $"'{text}' is not a CPU amount: write cores such as 0.5 or 2, or millicores such as 250m."
            )
        );
        return 0;
    }

    private static long Bytes(string? text, string field, List<Problem> problems)
    {
        if (Quantity.TryWhole(text, 1m, out var bytes))
            return bytes;
        problems.Add(
            Problem.Invalid(
                field,
                string.IsNullOrWhiteSpace(text)
                    ? $"Enter the {Describe(field)}: bytes with a unit such as 512Mi or 2Gi."
                    : $"'{text}' is not a memory amount: write bytes with a unit such as 512Mi or 2Gi."
            )
        );
        return 0;
    }

    private static string Describe(string field) =>
        field switch
        {
            "Resources.CpuRequest" => "CPU request",
            "Resources.CpuLimit" => "CPU limit",
            "Resources.MemoryRequest" => "memory request",
            _ => "memory limit",
        };
}
