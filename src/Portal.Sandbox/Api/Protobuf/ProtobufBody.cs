using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Api.Protobuf;

/// <summary>
/// Decodes the Kubernetes protobuf wire format (<c>application/vnd.kubernetes.protobuf</c>) of a request body into the
/// JSON object it stands for. kubectl's typed clients (create deployment/namespace/secret, drain's evictions and
/// deletes) send protobuf and, unlike for CBOR, do not fall back to JSON when a server answers 415, so the sandbox
/// reads it. The envelope is the "k8s\0" magic and a runtime.Unknown carrying apiVersion, kind and the raw message;
/// the message is read with the field tables of <see cref="ProtobufSchemas"/>.
/// </summary>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiException.BadRequest("the protobuf body does not start with the k8s\\0 prefix");
        }
        string? apiVersion = null,
            kind = null;
        var raw = ReadOnlySpan<byte>.Empty;
        var unknown = new WireReader(body[Magic.Length..]);
        while (unknown.Next(out var field, out var wireType))
        {
            if (field == 1 && wireType == 2)
            {
                var typeMeta = new WireReader(unknown.Bytes());
                while (typeMeta.Next(out var typeField, out var typeWire))
                {
                    switch (typeField)
                    {
                        case 1:
                            apiVersion = typeMeta.String();
                            break;
                        case 2:
                            kind = typeMeta.String();
                            break;
                        default:
                            typeMeta.Skip(typeWire);
                            break;
                    }
                }
            }
            else if (field == 2 && wireType == 2)
            {
                raw = unknown.Bytes();
            }
            else
            {
                unknown.Skip(wireType);
            }
        }
        if (kind is null || !ProtobufSchemas.Messages.ContainsKey(kind))
        {
            throw ApiException.UnsupportedBodyMediaType(
                $"{MediaType} of kind {kind ?? "(none)"}, which the sandbox does not decode"
            );
        }
        var obj = ReadMessage(raw, kind);
        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        foreach (var (key, value) in obj.ToList())
        {
            obj.Remove(key);
            result[key] = value;
        }
        return result;
    }

    private static JsonObject ReadMessage(ReadOnlySpan<byte> bytes, string message)
    {
        var fields = ProtobufSchemas.Messages[message];
        var obj = new JsonObject();
        var reader = new WireReader(bytes);
        while (reader.Next(out var number, out var wireType))
        {
            var field = fields.FirstOrDefault(f => f.Number == number);
            if (field is null)
            {
                throw ApiException.UnsupportedBodyMediaType(
                    $"{MediaType} with field {number} of {message}, which the sandbox does not decode; send JSON"
                );
            }
            var value = ReadValue(ref reader, wireType, field);
            if (field.Inline && value is JsonObject inline)
            {
                foreach (var (key, inner) in inline.ToList())
                {
                    inline.Remove(key);
                    obj[key] = inner;
                }
                continue;
            }
            if (field.Shape is FieldShape.StringMap or FieldShape.BytesMap or FieldShape.QuantityMap)
            {
                var map = obj[field.Json] as JsonObject ?? new JsonObject();
                obj[field.Json] = map;
                var pair = value!.AsArray();
                map[pair[0]!.GetValue<string>()] = pair[1]?.DeepClone();
                continue;
            }
            if (field.Repeated)
            {
                var array = obj[field.Json] as JsonArray ?? new JsonArray();
                obj[field.Json] = array;
                if (value is JsonArray packed)
                {
                    foreach (var item in packed.ToList())
                    {
                        packed.Remove(item);
                        array.Add(item);
                    }
                }
                else
                {
                    array.Add(value ?? new JsonObject());
                }
                continue;
            }
            if (value is null || (!field.KeepZero && IsZero(value)))
            {
                obj.Remove(field.Json);
                continue;
            }
            obj[field.Json] = value;
        }
        return obj;
    }

    private static bool IsZero(JsonNode value) =>
        value switch
        {
            JsonObject o => o.Count == 0,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
            JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
            JsonValue v when v.TryGetValue<bool>(out var b) => !b,
            _ => false,
        };

    private static JsonNode? ReadValue(ref WireReader reader, int wireType, ProtoField field)
    {
        switch (field.Shape)
        {
            case FieldShape.String:
                return reader.String();
            case FieldShape.Bytes:
                return Convert.ToBase64String(reader.Bytes());
            case FieldShape.Int when wireType == 2:
                var packed = new WireReader(reader.Bytes());
                var values = new JsonArray();
                while (!packed.AtEnd)
                {
                    values.Add((long)packed.Varint());
                }
                return values;
            case FieldShape.Int:
                return (long)reader.Varint();
            case FieldShape.Bool:
                return reader.Varint() != 0;
            case FieldShape.Message:
                return ReadMessage(reader.Bytes(), field.Message!);
            case FieldShape.Quantity:
                return ReadQuantity(reader.Bytes());
            case FieldShape.Time:
                return ReadTime(reader.Bytes());
            case FieldShape.IntOrString:
                return ReadIntOrString(reader.Bytes());
            default:
                return ReadMapEntry(reader.Bytes(), field.Shape);
        }
    }

    private static JsonArray ReadMapEntry(ReadOnlySpan<byte> bytes, FieldShape shape)
    {
        var entry = new WireReader(bytes);
        string key = "";
        JsonNode? value = "";
        while (entry.Next(out var number, out var wireType))
        {
            if (number == 1)
            {
                key = entry.String();
            }
            else if (number == 2)
            {
                value = shape switch
                {
                    FieldShape.BytesMap => Convert.ToBase64String(entry.Bytes()),
                    FieldShape.QuantityMap => ReadQuantity(entry.Bytes()),
                    _ => entry.String(),
                };
            }
            else
            {
                entry.Skip(wireType);
            }
        }
        return new JsonArray(key, value);
    }

    private static string ReadQuantity(ReadOnlySpan<byte> bytes)
    {
        var quantity = new WireReader(bytes);
        var text = "";
        while (quantity.Next(out var number, out var wireType))
        {
            if (number == 1)
            {
                text = quantity.String();
            }
            else
            {
                quantity.Skip(wireType);
            }
        }
        return text;
    }

    private static JsonNode? ReadTime(ReadOnlySpan<byte> bytes)
    {
        var time = new WireReader(bytes);
        long seconds = 0;
        while (time.Next(out var number, out var wireType))
        {
            if (number == 1)
            {
                seconds = (long)time.Varint();
            }
            else
            {
                time.Skip(wireType);
            }
        }
        return seconds == 0 ? null : Clock.Rfc3339(DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static JsonNode ReadIntOrString(ReadOnlySpan<byte> bytes)
    {
        var value = new WireReader(bytes);
        long type = 0,
            intValue = 0;
        var text = "";
        while (value.Next(out var number, out var wireType))
        {
            switch (number)
            {
                case 1:
                    type = (long)value.Varint();
                    break;
                case 2:
                    intValue = (int)value.Varint();
                    break;
                case 3:
                    text = value.String();
                    break;
                default:
                    value.Skip(wireType);
                    break;
            }
        }
        return type == 1 ? text : intValue;
    }

    /// <summary>Reads tags, varints and length-delimited fields of the protobuf wire format.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public readonly bool AtEnd => _position >= _bytes.Length;

        public bool Next(out int field, out int wireType)
        {
            if (AtEnd)
            {
                field = wireType = 0;
                return false;
            }
            var tag = Varint();
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (AtEnd)
                {
                    throw Truncated();
                }
                var b = _bytes[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw ApiException.BadRequest("the protobuf body holds a varint longer than 10 bytes");
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Varint();
            if (length > (ulong)(_bytes.Length - _position))
            {
                throw Truncated();
            }
            var slice = _bytes.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public string String() => Encoding.UTF8.GetString(Bytes());

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    Bytes();
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw ApiException.BadRequest(
                        string.Create(CultureInfo.InvariantCulture, $"the protobuf body holds wire type {wireType}")
                    );
            }
            if (_position > _bytes.Length)
            {
                throw Truncated();
            }
        }

        private static ApiException Truncated() => ApiException.BadRequest("the protobuf body is truncated");
    }
}
