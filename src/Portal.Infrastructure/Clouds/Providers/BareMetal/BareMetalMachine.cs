using System.Globalization;

namespace Portal.Infrastructure.Clouds.Providers.BareMetal;

/// <summary>
/// One machine of a bare-metal account's list, as the admin wrote it: <c>address[:port]</c>, optionally followed by
/// <c># name</c>. Its <see cref="Address"/> (host:port, port always written) is its instance id and the key of its
/// pinned host key.
/// </summary>
public sealed record BareMetalMachine(string Host, int Port, string? Name)
{
    public const int DefaultPort = 22;

    public string Address => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>The address, and the admin's name for the machine when there is one.</summary>
    public string Label => Name is null ? Address : $"{Address} ({Name})";

    /// <summary>The machines of the list in order; a line not <c>address[:port] [# name]</c> is refused.</summary>
    public static IReadOnlyList<BareMetalMachine> ParseList(string text)
    {
        var machines = new List<BareMetalMachine>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var hash = line.IndexOf('#');
            var address = (hash < 0 ? line : line[..hash]).Trim();
            var name = hash < 0 ? null : line[(hash + 1)..].Trim();
            var machine = Parse(address, string.IsNullOrEmpty(name) ? null : name)
                ?? throw new CloudRefusal(
                    CloudRefusalKind.Invalid,
                    $"Machines, line {i + 1}: \"{address}\" is not an address[:port] (such as 10.0.0.5 or "
                        + "node-1.example.com:2222 or [fd00::5]:22)",
                    "InvalidMachine"
                );
            if (machines.Any(m => m.Address == machine.Address))
                throw new CloudRefusal(
                    CloudRefusalKind.Invalid,
                    $"Machines, line {i + 1}: {machine.Address} is listed twice",
                    "DuplicateMachine"
                );
            machines.Add(machine);
        }
        return machines;
    }

    private static BareMetalMachine? Parse(string address, string? name)
    {
        if (address.Length == 0 || address.Any(char.IsWhiteSpace))
            return null;
        string host;
        string? port = null;
        if (address.StartsWith('['))
        {
            var close = address.IndexOf(']');
            if (close < 0)
                return null;
            host = address[1..close];
            var rest = address[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':'))
                    return null;
                port = rest[1..];
            }
        }
        else if (address.Count(c => c == ':') == 1)
        {
            var colon = address.IndexOf(':');
            (host, port) = (address[..colon], address[(colon + 1)..]);
        }
        else
        {
            // No colon, or a bare IPv6 address (several colons), which cannot carry a port without brackets.
            host = address;
        }
        if (host.Length == 0 || host.Any(c => c is '[' or ']' or '/' or '@'))
            return null;
        var number = DefaultPort;
        if (
            port is not null
            && (
                !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number)
                || number is < 1 or > 65535
            )
        )
            return null;
        return new BareMetalMachine(host.ToLowerInvariant(), number, name);
    }
}
