using Newtonsoft.Json;

var version = typeof(JsonConvert).Assembly.GetName().Version;
Console.WriteLine("layered: " + JsonConvert.SerializeObject(new { message = "hello", json = version?.ToString() }));
