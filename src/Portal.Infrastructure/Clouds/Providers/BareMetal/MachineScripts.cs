using System.Globalization;

namespace Portal.Infrastructure.Clouds.Providers.BareMetal;

/// <summary>
/// The POSIX shell scripts the provider sends to a machine's <c>sh -s</c> on standard input (so that the login shell
/// only ever sees one fixed command line, and nothing needs quoting).
/// </summary>
public static class MachineScripts
{
    /// <summary>The login user's command for the marker scripts.</summary>
    public const string AsLoginUser = "sh -s";

    /// <summary>The login user's command for the join and reset scripts, which need root.</summary>
    public const string AsRoot = "if [ \"$(id -u)\" = 0 ]; then exec sh -s; else exec sudo -n sh -s; fi";

    public const string MarkerLine = "--- marker ---";
    public const string Claimed = "claimed";
    public const string Taken = "taken";

    private const string MarkerEnd = "DEVELOPER_CENTER_MARKER_END";

    /// <summary>
    /// Run as root when a host is decommissioned, unless the account has its own: undoes <c>kubeadm join</c>, which
    /// leaves the CNI configuration and /etc/kubernetes behind.
    /// </summary>
    public const string DefaultReset = """
        if command -v kubeadm >/dev/null 2>&1; then
          kubeadm reset -f || exit $?
          echo "reset: kubeadm reset -f done"
        else
          echo "reset: kubeadm is not installed, no node to reset"
        fi
        for path in /etc/kubernetes /etc/cni/net.d; do
          if [ -e "$path" ]; then
            rm -rf "$path" || exit $?
            echo "reset: removed $path"
          fi
        done
        echo "reset: done"
        """;

    /// <summary>Prints the machine's size and, after <see cref="MarkerLine"/>, its claim marker if any.</summary>
    public const string Describe = """
        printf 'cpus=%s\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
        printf 'memory-kib=%s\n' "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
        marker="$HOME/.developer-center/host"
        if [ -f "$marker" ]; then
          echo '--- marker ---'
          cat "$marker"
        fi
        """;

    /// <summary>Removes the claim marker; a machine without one is left as it is.</summary>
    public const string Release = """
        rm -f "$HOME/.developer-center/host"
        """;

    /// <summary>
    /// Writes the marker under a temporary name and hard-links it to its place: link(2) fails when the place is taken,
    /// so of two claims only one wins, and nobody reads a half-written marker. Prints <see cref="Claimed"/>, or
    /// <see cref="Taken"/> and the marker that was there first.
    /// </summary>
    public static string Claim(ClaimMarker marker) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $$"""
            set -e
            dir="$HOME/.developer-center"
            mkdir -p "$dir"
            tmp=$(mktemp "$dir/.host.XXXXXX")
            cat > "$tmp" <<'{{MarkerEnd}}'
            {{marker.Render()}}{{MarkerEnd}}
            if ln "$tmp" "$dir/host" 2>/dev/null; then
              rm -f "$tmp"
              echo {{Claimed}}
            elif [ -f "$dir/host" ]; then
              rm -f "$tmp"
              echo {{Taken}}
              cat "$dir/host"
            else
              rm -f "$tmp"
              echo "cannot create $dir/host" >&2
              exit 1
            fi
            """
        );
}
