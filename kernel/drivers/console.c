/*
 * console.c - serial console output and the input queue.
 *
 * Output is written synchronously, byte by byte, under console_lock: printk
 * must work from any context, so it cannot wait for a transmit interrupt.
 * Input is interrupt driven: the UART handler calls console_receive() for
 * each byte, which queues it and wakes the reader.
 */
#include "arch/sbi.h"
#include "drivers/console.h"
#include "lib/ringbuf.h"
#include "sync/spinlock.h"
#include "sync/waitq.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");
static struct spinlock input_lock = SPINLOCK_INIT("console_input");
static struct waitq input_wait = WAITQ_INIT(input_wait, "console");
static char input_storage[1024];
static struct ringbuf input = { input_storage, sizeof(input_storage), 0, 0, 0 };

static void firmware_putc(char c)
{
	sbi_console_putchar(c);
}

static void (*output)(char c) = firmware_putc;

void console_set_output(void (*putc)(char c))
{
	output = putc;
}

void console_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			output('\r');
		output(s[i]);
	}
}

void console_write(const char *s, size_t n)
{
	spin_lock(&console_lock);
	console_write_unlocked(s, n);
	spin_unlock(&console_lock);
}

void console_receive(char c)
{
	spin_lock(&input_lock);
	ringbuf_put(&input, c);
	spin_unlock(&input_lock);
	waitq_wake_all(&input_wait);
}

int console_getc(void)
{
	char c;

	spin_lock(&input_lock);
	while (!ringbuf_get(&input, &c))
		waitq_sleep(&input_wait, &input_lock);
	spin_unlock(&input_lock);
	return (unsigned char)c;
}
