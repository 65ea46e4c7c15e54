Console.WriteLine("never built to the end");
