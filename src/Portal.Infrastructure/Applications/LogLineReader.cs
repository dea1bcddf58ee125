using System.Text;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Reads a log line by line within bounds, whatever the container printed: at most a number of bytes from the stream
/// (then the log reads as ended, and <see cref="Exhausted"/> says it was cut), and lines of at most a number of
/// characters (the rest of a longer line is read past, not kept, and the line ends with a marker). What it holds at any
/// time is one line.
/// </summary>
public sealed class LogLineReader : IDisposable
{
    private readonly CountingStream _counted;
    private readonly StreamReader _reader;
    private readonly int _maxLineLength;
    private readonly char[] _buffer = new char[4096];
    private int _start;
    private int _end;

    public LogLineReader(Stream stream, long maxBytes, int maxLineLength)
    {
        _counted = new CountingStream(stream, maxBytes);
        _reader = new StreamReader(_counted, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        _maxLineLength = maxLineLength;
    }

    /// <summary>The bytes taken from the stream so far.</summary>
    public long BytesRead => _counted.BytesRead;

    /// <summary>The byte budget is spent: whatever came after was not read.</summary>
    public bool Exhausted => _counted.Exhausted;

    public static string CutLineMarker(int maxLineLength) =>
        $" […line cut: the portal shows at most {maxLineLength} characters of a line]";

    /// <summary>The next line without its line break, or null at the end of the log (or of the byte budget).</summary>
    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        StringBuilder? line = null;
        var cut = false;
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _reader.ReadAsync(_buffer, ct);
                if (_end == 0)
                    return line is null ? null : Finish(line, cut);
            }
            line ??= new StringBuilder();
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf('\n');
            var part = newline < 0 ? available : available[..newline];
            var room = _maxLineLength - line.Length;
            if (part.Length > room)
            {
                cut = true;
                part = part[..room];
            }
            line.Append(part);
            if (newline >= 0)
            {
                _start += newline + 1;
                return Finish(line, cut);
            }
            _start = _end;
        }
    }

    private string Finish(StringBuilder line, bool cut)
    {
        if (cut)
            return line.Append(CutLineMarker(_maxLineLength)).ToString();
        if (line.Length > 0 && line[^1] == '\r')
            line.Length--;
        return line.ToString();
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>Passes on at most a budget of bytes, then reads as ended.</summary>
    private sealed class CountingStream(Stream inner, long budget) : Stream
    {
        public long BytesRead { get; private set; }
        public bool Exhausted => BytesRead >= budget;

        public override async ValueTask<int> ReadAsync(
            Memory<byte> buffer,
            CancellationToken cancellationToken = default
        )
        {
            var left = budget - BytesRead;
            if (left <= 0)
                return 0;
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, left)], cancellationToken);
            BytesRead += read;
            return read;
        }

        public override Task<int> ReadAsync(
            byte[] buffer,
            int offset,
            int count,
            CancellationToken cancellationToken
        ) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var left = budget - BytesRead;
            if (left <= 0)
                return 0;
            var read = inner.Read(buffer, offset, (int)Math.Min(count, left));
            BytesRead += read;
            return read;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
