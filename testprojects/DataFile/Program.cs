var dir = Environment.GetEnvironmentVariable("DATA_DIR") ?? "/srv/data";
Console.WriteLine("data: " + File.ReadAllText(Path.Combine(dir, "message.txt")).Trim());
