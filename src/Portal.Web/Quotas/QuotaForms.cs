using Portal.Domain.Common;
using Portal.Domain.Quotas;

namespace Portal.Web.Quotas;

public sealed class CreatePoolForm
{
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? Cluster { get; set; }
    public string? NodeSelector { get; set; }
    public string? Region { get; set; }
    public decimal CpuOvercommit { get; set; } = 1m;
    public decimal MemoryOvercommit { get; set; } = 1m;
    public bool Dedicated { get; set; }
}

/// <summary>Quota amounts as people type them: "8", "500m", "32Gi".</summary>
public sealed class QuotaForm
{
    public string? Tenant { get; set; }
    public string? CpuRequests { get; set; }
    public string? CpuLimits { get; set; }
    public string? MemoryRequests { get; set; }
    public string? MemoryLimits { get; set; }
    public string? Storage { get; set; }
    public string? Pods { get; set; }
    public string? MiddlewareInstances { get; set; }

    public Result<ResourceAmounts> ToAmounts() =>
        ResourceAmounts.Parse(CpuRequests, CpuLimits, MemoryRequests, MemoryLimits, Storage, Pods, MiddlewareInstances);
}

public static class AmountText
{
    public static string Cpu(long millis) => Quantity.FormatCpu(millis);
    public static string Bytes(long bytes) => Quantity.FormatBytes(bytes);
}

/// <summary>One bar of a quota page: a part of a whole, labelled, with both figures written out.</summary>
public sealed record UsageMeter(string Label, long Part, long Whole, string PartText, string WholeText)
{
    public static UsageMeter Cpu(string label, long part, long whole) => new(label, part, whole, AmountText.Cpu(part), AmountText.Cpu(whole));
    public static UsageMeter Bytes(string label, long part, long whole) => new(label, part, whole, AmountText.Bytes(part), AmountText.Bytes(whole));
    public static UsageMeter Count(string label, long part, long whole) => new(label, part, whole, part.ToString(System.Globalization.CultureInfo.InvariantCulture), whole.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
