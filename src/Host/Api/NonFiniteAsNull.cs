using System.Text.Json;
using System.Text.Json.Serialization;

namespace AlexNet.Experiments.Host.Api;

/// <summary>
/// Writes NaN and infinities as null: a diverged epoch's loss, or the accuracy of a class with no validation images, is unknown,
/// and JSON has no number for it. Reading is unchanged, so a null where a number is required is still a bad request.
/// </summary>
public sealed class NonFiniteAsNull : JsonConverter<double>
{
    public override bool HandleNull => false;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
