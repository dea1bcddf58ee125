namespace Portal.Infrastructure.Monitoring.Sources;

/// <summary>
/// A metrics source could not be read: unreachable, timed out, or it refused the query. The message says which and why.
/// </summary>
public sealed class MetricsSourceException(string message, Exception? inner = null) : Exception(message, inner);
