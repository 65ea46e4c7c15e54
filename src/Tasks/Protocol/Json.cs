using System.Runtime.Serialization.Json;
using System.Text;

namespace ImageTasks.Tasks.Protocol;

/// <summary>
/// JSON for the out-of-process protocol with DataContractJsonSerializer: part of both .NET Framework and .NET, so the
/// net472 task ships no serializer of its own (a System.Text.Json copy would fight the one Visual Studio loads).
/// </summary>
public static class Json
{
    private static readonly DataContractJsonSerializerSettings Settings = new() { UseSimpleDictionaryFormat = true };

    public static string Serialize<T>(T value)
    {
        using var stream = new MemoryStream();
        new DataContractJsonSerializer(typeof(T), Settings).WriteObject(stream, value);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static T Deserialize<T>(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return (T)new DataContractJsonSerializer(typeof(T), Settings).ReadObject(stream)!;
    }
}
